"""Files members upload: where they are kept (storage), and members' photos."""

"""Command-line tasks: ``flask --app cohort <command>``."""

from pathlib import Path

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import handles
from .auth import two_factor
from .backup import BackupError, backup_database, restore_database
from .cohorts import ops
from .demo import demo_logins, seed_demo
from .extensions import db
from .mail.compose import compose
from .mail.delivery import deliver_due, mail_server_configured, newest_messages, waiting_count
from .mail.worker import run_worker
from .models import OutboxMessage, Role, User, normalise_email, utcnow
from .policy import Refused
from .timezones import canonical_timezone
from .uploads.ops import purge_uploads


def _check_timezone(_ctx, _param, value: str) -> str:
    zone = canonical_timezone(value)
    if zone is None:
        raise click.BadParameter(f"'{value}' is not an IANA time zone name, e.g. Europe/London.")
    return zone


def _existing_user(email: str) -> User:
    user = ops.find_user(email)
    if user is None:
        raise click.ClickException(f"No account uses {email}. Create it first with create-user.")
    if not user.email_confirmed:
        raise click.ClickException(f"The account {email} has not confirmed its address yet.")
    return user


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--password", required=True, help="At least 12 characters.")
@click.option("--admin", is_flag=True, help="Make the account a site admin.")
@click.option("--timezone", default="Europe/London", show_default=True, callback=_check_timezone)
def create_user(email: str, name: str, password: str, admin: bool, timezone: str) -> None:
    """Create an account."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.ClickException(f"'{email}' is not an email address.") from error
    if not name.strip() or len(name) > 120:
        raise click.ClickException("Give a name of at most 120 characters.")
    if len(password) < 12:
        raise click.ClickException("The password must have at least 12 characters.")
    if ops.find_user(email) is not None:
        raise click.ClickException(f"An account already uses {email}.")
    user = User(email=normalise_email(email), name=name, timezone=timezone, is_admin=admin, email_confirmed_at=utcnow())
    user.set_password(password)
    handles.save_with_handle(user)
    db.session.commit()
    click.echo(f"Created {'site admin' if admin else 'user'} {user.name} <{user.email}>, mentioned as @{user.handle}.")


@click.command("create-cohort")
@with_appcontext
@click.argument("slug")
@click.option("--name", required=True, help="The cohort's name.")
@click.option("--facilitator", "facilitator_email", required=True, help="Email of an existing account.")
@click.option("--timezone", default="Europe/London", show_default=True, callback=_check_timezone)
def create_cohort(slug: str, name: str, facilitator_email: str, timezone: str) -> None:
    """Create a cohort with its first facilitator."""
    facilitator = _existing_user(facilitator_email)
    try:
        cohort = ops.create_cohort(slug, name, timezone=timezone)
    except Refused as error:
        raise click.ClickException(str(error)) from error
    ops.add_member(cohort, facilitator, Role.FACILITATOR)
    db.session.commit()
    click.echo(f"Created cohort {cohort.name} at /c/{cohort.slug}/, facilitated by {facilitator.email}.")


@click.command("add-member")
@with_appcontext
@click.argument("slug")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), default=Role.MEMBER.value, show_default=True)
def add_member(slug: str, email: str, role: str) -> None:
    """Add an existing account to a cohort."""
    cohort = ops.find_cohort(slug)
    if cohort is None:
        raise click.ClickException(f"No cohort has the address '{slug}'.")
    user = _existing_user(email)
    membership = ops.add_member(cohort, user, Role(role))
    db.session.commit()
    click.echo(f"{user.email} is a {membership.role.value} of {cohort.name}.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo cohort (once) and print the demo logins."""
    if seed_demo():
        click.echo("Loaded the demo data: International CEO Cohort.")
    else:
        click.echo("Demo data is already loaded.")
    click.echo("Demo logins:")
    for role, email, password in demo_logins():
        click.echo(f"  {role:<12} {email:<48} {password}")


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Deliver the mail that is due, then exit."""
    if not mail_server_configured():
        click.echo(f"No mail server is set (COHORT_MAIL_SERVER): {waiting_count()} messages wait in the outbox.")
        return
    click.echo(f"Mail: {deliver_due()}.")


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Every minute, queue the mail that is due (digests, reminders) and deliver it; stop with Ctrl-C."""
    run_worker()


@click.command("show-mail")
@with_appcontext
@click.argument("message_id", type=int, required=False)
@click.option("--last", default=20, show_default=True, help="How many of the newest messages to list.")
def show_mail_command(message_id: int | None, last: int) -> None:
    """List the outbox, or show one message as it would be sent now (for a laptop without a mail server)."""
    if message_id is None:
        for message in newest_messages(last):
            click.echo(
                f"{message.id:>6}  {message.created_at:%Y-%m-%d %H:%M}  {message.status.value:<9}  {message.kind}"
            )
        click.echo("Show one with: flask --app cohort show-mail ID")
        return
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise click.ClickException(f"No message {message_id} in the outbox.")
    email = compose(message)
    if email is None:
        click.echo(f"Message {message_id} would be withdrawn: it is no longer for its recipient.")
        return
    for header in ("From", "To", "Subject"):
        click.echo(f"{header}: {email[header]}")
    click.echo()
    click.echo(email.get_body(("plain",)).get_content())


@click.command("turn-off-two-factor")
@with_appcontext
@click.argument("email")
def turn_off_two_factor_command(email: str) -> None:
    """Turn off two-factor sign-in for EMAIL, whose owner lost their phone and recovery codes: only once
    you are sure who is asking. They then sign in with their password and may turn it on again."""
    user = ops.find_user(email)
    if user is None:
        raise click.ClickException(f"No account uses {email}.")
    if not two_factor.is_on(user):
        raise click.ClickException(f"Two-factor sign-in is not on for {user.email}.")
    two_factor.remove(user)
    db.session.commit()
    click.echo(f"Two-factor sign-in is off for {user.name} <{user.email}>: the password alone signs in.")


def _echo_counts(counts: dict[str, int]) -> None:
    for name, count in counts.items():
        if count:
            click.echo(f"  {name:<28} {count:>9}")


@click.command("purge-uploads")
@with_appcontext
def purge_uploads_command() -> None:
    """Remove the files of posts and replies deleted COHORT_UPLOAD_KEEP_DAYS ago, and stored files
    nothing names; safe to run while the site runs (daily, from cron or a timer)."""
    days = current_app.config["COHORT_UPLOAD_KEEP_DAYS"]
    removed = purge_uploads(days)
    click.echo(
        f"Removed {removed.expired} files of posts and replies deleted over {days} days ago, "
        f"and {removed.unnamed} stored files nothing names."
    )


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH while the app runs."""
    try:
        backup = backup_database(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Wrote {backup.path} ({backup.size:,} bytes), with these rows:")
    _echo_counts(backup.counts)


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
def restore_command(path: Path) -> None:
    """Bring the backup at PATH into this app's database, which must be empty."""
    try:
        restored = restore_database(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {path}, with these rows:")
    _echo_counts(restored.counts)
    if not restored.up_to_date:
        click.echo("The backup was made by an earlier version of Cohort: run `flask --app cohort db upgrade` now.")


def init_app(app: Flask) -> None:
    for command in (
        create_user,
        create_cohort,
        add_member,
        seed_demo_command,
        send_mail_command,
        worker_command,
        show_mail_command,
        backup_command,
        restore_command,
        turn_off_two_factor_command,
        purge_uploads_command,
    ):
        app.cli.add_command(command)

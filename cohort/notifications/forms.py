"""How each kind of notification reaches someone: one choice per kind, on the account page."""

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from ..models import Delivery, NotificationKind

DELIVERY_CHOICES = [SelectChoice(delivery.value, delivery.label) for delivery in Delivery]


class DeliveryForm(FlaskForm):
    """A select for each kind, named after it; built from the kinds so a new kind needs no edit here."""

    def choices(self) -> dict[NotificationKind, Delivery]:
        return {kind: Delivery(self[kind.value].data) for kind in NotificationKind}


for _kind in NotificationKind:
    setattr(DeliveryForm, _kind.value, SelectField(_kind.label, choices=DELIVERY_CHOICES))

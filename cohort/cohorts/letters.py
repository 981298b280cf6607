"""The invitation mail: composed when it leaves, so an invitation withdrawn in between is not sent."""

from ..extensions import db
from ..mail import external_url
from ..mail.compose import Letter, composer
from ..models import Invitation, OutboxMessage, Role
from ..tokens import invitation_token

INVITATION = "invitation"


def invitation_url(invitation: Invitation) -> str:
    return external_url("auth.invitation", token=invitation_token(invitation.id, invitation.key))


@composer(INVITATION)
def invitation_letter(message: OutboxMessage) -> Letter | None:
    invitation = db.session.get(Invitation, message.context["invitation_id"])
    if invitation is None or invitation.problem() is not None:
        return None
    cohort = invitation.cohort
    return Letter(
        to=invitation.email,
        subject=f"Invitation to join {cohort.name}",
        template="invitation",
        values={
            "sender": message.context["sender"],
            "cohort_name": cohort.name,
            "as_facilitator": invitation.role == Role.FACILITATOR,
            "link": invitation_url(invitation),
            "until": f"{invitation.expires_at:%-d %B %Y}",
        },
    )

"""POST /guardian/enrollments/ticket: Auth0 mints an MFA enrollment ticket for an existing user.

The answer is ``{ticket_id, ticket_url}``, the URL the tenant's ``/mfa/enrollment?ticket=<id>``
with a 32-character id (go-auth0's recording of a real tenant,
TestGuardian/Enrollment/CreateTicket.yaml); an unknown user is the spec's 404. The ticket keeps no
state: nothing in the Management API reads it back. Factors and policies are the engine's.
"""

from __future__ import annotations

from ..common import Reply, random_id
from . import Call, HandlerTable
from .users import missing_user

HANDLERS = HandlerTable()


@HANDLERS.route("post_ticket")
def create_enrollment_ticket(call: Call) -> Reply:
    body = call.body()
    with call.tenant.lock:
        if body["user_id"] not in call.tenant.users:
            raise missing_user()
    ticket = random_id(32)
    url = f"https://{call.tenant.domain}/mfa/enrollment?ticket={ticket}"
    return 200, {"ticket_id": ticket, "ticket_url": url}

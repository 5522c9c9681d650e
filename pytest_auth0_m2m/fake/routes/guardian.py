"""POST /guardian/enrollments/ticket: Auth0 mints an MFA enrollment ticket for an existing user.

The answer is ``{ticket_id, ticket_url}``, the URL the tenant's ``/mfa/enrollment?ticket=<id>``
with a 32-character id (go-auth0's recording of a real tenant,
TestGuardian/Enrollment/CreateTicket.yaml); an unknown user is the spec's 404. The ticket keeps no
state: nothing in the Management API reads it back. Factors and policies are the engine's.

No user of the emulator enrolls (enrolling is a login flow), so GET and DELETE
/guardian/enrollments/{id} find none; a recovery code is regenerated for a user with an
authentication method, else it is the spec's 404 "Enrollment not found.".
"""

from __future__ import annotations

import string

from ..common import Reply, not_found_error, random_id
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


# The spec's 404 wording for a user without an enrollment (POST .../recovery-code-regeneration);
# the errorCode is the emulator's (no recording shows either answer).
NO_ENROLLMENT = "Enrollment not found."


@HANDLERS.route("get_enrollments_by_id")
@HANDLERS.route("delete_enrollments_by_id")
def enrollment(call: Call) -> Reply:
    raise not_found_error(NO_ENROLLMENT, "inexistent_enrollment")


@HANDLERS.route("post_recovery-code-regeneration")
def regenerate_recovery_code(call: Call) -> Reply:
    # The spec's RegenerateUsersRecoveryCodeResponseContent; the code is a credential (the
    # secret-field catalogue lists this response's recovery_code, so cassettes redact it).
    user_id = call.params["id"]
    with call.tenant.lock:
        if user_id not in call.tenant.users:
            raise missing_user()
        if not call.tenant.collections.get(f"/users/{user_id}/authentication-methods"):
            raise not_found_error(NO_ENROLLMENT, "inexistent_enrollment")
    code = random_id(24, string.ascii_uppercase + string.digits)
    return 200, {"recovery_code": code}

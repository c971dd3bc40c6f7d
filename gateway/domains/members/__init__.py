"""Members: the people the cooperative employs, and their legal identity (SSIN or the fields replacing it, IBAN).

Held by the cooperative, filled by staff or by the rider, never by a platform. A platform's rider is linked to a
member by the member number (`Rider.member_id`); one member may ride for several platforms. The SSIN and the IBAN
are encrypted at rest (`vault`), shown only masked, and every read of a clear value is audited (`IdentityRead`).
"""

from gateway.plugins import Plugin

PLUGIN = Plugin(__name__, cli=".cli:members_app")

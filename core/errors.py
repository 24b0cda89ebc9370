"""The one family of errors whose message is shown to the user as it is."""

from __future__ import annotations


class UserError(Exception):
    """An error whose message is written for the clinician and shown verbatim by the UI and CLI."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(UserError):
    """Bad input from the user: a range, a purpose, an id."""


class InvalidImport(InvalidInput):
    """A file to import is malformed; the message names the file, the resource and the problem, and
    nothing from the import was saved."""


class NotFound(UserError):
    """The client, draft or summary asked for does not exist (or is deleted)."""


class InsufficientInformation(UserError):
    """The chart does not hold enough for a summary of the chosen range; nothing was sent anywhere."""


class EngineError(UserError):
    """The drafting engine failed; the existing draft is untouched."""


class RefineNotSupported(EngineError):
    """The engine cannot follow this Update instruction."""


class ConsentRequired(EngineError):
    """The client has not consented to AI-assisted documentation with an external model."""


class EngineNotConfigured(EngineError):
    """The AI engine was asked for but no API key is configured."""


class EngineRejected(EngineError):
    """The AI service refused the request itself (key, permission, model): retrying will not help."""


class EngineBusy(EngineError):
    """The AI service is rate-limited, overloaded or failing for now: trying again later may work."""


class EngineUnreachable(EngineError):
    """The AI service could not be reached or did not answer in time."""


class SourcesTooLarge(EngineError):
    """The chart items of the range do not fit in one request to the AI service."""


class Refused(UserError):
    """The action is not allowed in the current state (e.g. signing without a draft)."""


class OpenFindings(Refused):
    """The text still says things the chart contradicts; signing needs the signer to acknowledge them.
    `findings` are the claim-level findings (errors) as the checks describe them."""

    def __init__(self, message: str, findings: tuple[str, ...]):
        super().__init__(message)
        self.findings = findings


class ConflictError(Refused):
    """Someone else changed the same record at the same time."""


class StaleDraft(ConflictError):
    """The draft changed in another window after this one loaded it; nothing was saved over it.
    `revision` is the draft's revision now, so the window can load it."""

    def __init__(self, message: str, revision: int):
        super().__init__(message)
        self.revision = revision


class DraftClosed(NotFound):
    """The draft was signed or discarded (perhaps in another window); the message says by whom and when."""


class IntegrityFailure(UserError):
    """A signed summary no longer matches its stored hash: it was altered outside the app."""


class PermissionDenied(UserError):
    """The signed-in user's role does not allow this action."""


class SessionEnded(PermissionDenied):
    """The sign-in session is over (signed out, idle too long, account disabled or locked, roles
    changed): nothing was done; the user signs in again."""


class StoreError(UserError):
    """The database could not be opened, migrated or written."""

"""Every error this project raises on purpose, one class each; pages and the command line show their messages."""


class AnalyticsError(Exception):
    """Base of every error this package raises on purpose."""


class SettingsError(AnalyticsError):
    """The plan settings file is missing or malformed."""


class DatabaseUnavailable(AnalyticsError):
    """The database file cannot be opened."""


class DatabaseLocked(AnalyticsError):
    """Another process holds the database."""


class SchemaTooNew(AnalyticsError):
    """The database was written by a newer version of this program."""


class DatabaseError(AnalyticsError):
    """A read or write failed inside DuckDB for a reason not named below; nothing was changed."""


class StorageFailed(DatabaseError):
    """The database file could not be read or written (disk full, file gone or damaged, no permission)."""


class WriteConflict(DatabaseError):
    """Another write changed the same rows at the same moment; the write was rolled back."""


class WriterUnavailable(DatabaseError):
    """The server's writer process could not be reached; nothing was written."""


class SchemaMismatch(DatabaseError):
    """A table or column the program needs is missing: the database is older or newer than the program."""


class BackupError(AnalyticsError):
    """A backup directory cannot be written or read back, or a restore would overwrite data."""


class BackupBusy(BackupError):
    """Another backup is running in the server; only one runs at a time."""


class RegistryError(AnalyticsError):
    """The official unit registry cannot be built for the configured province."""


class SourceFileError(AnalyticsError):
    """A shipped source file (targets, overrides) is malformed."""


class UnknownCommune(AnalyticsError):
    """A code or name matches no official unit."""


class ValidationFailed(AnalyticsError):
    """An upload has blocking problems; `problems` lists them."""

    def __init__(self, problems):
        super().__init__(f"{len(problems)} lỗi")
        self.problems = problems


class SourceMissing(AnalyticsError):
    """A file whose figures must name their source (the labour force) came without one."""


class UploadNotFound(AnalyticsError):
    """No upload has the given id."""


class NotAuthorised(AnalyticsError):
    """The acting user's role does not allow this action."""


class InsufficientHistory(AnalyticsError):
    """A series has too few recent months to fit a trend."""


class SupportScenarioRefused(AnalyticsError):
    """A support-budget scenario that cannot hold: a group mix not summing to 100 %, or support above the whole
    contribution."""


class DuplicateUpload(AnalyticsError):
    """The same file (same SHA-256) is already applied."""


class ReportFileRefused(AnalyticsError):
    """A commune's returned report is not a Word or PDF file, is empty or too large, or does not exist."""


class WarningsNotConfirmed(AnalyticsError):
    """An upload has warnings that nobody has confirmed yet."""


class LoginFailed(AnalyticsError):
    """Wrong user name or password, or an account locked or disabled: one message for all, so none is revealed."""


class UserExists(AnalyticsError):
    """An account with that user name already exists."""


class UnknownAccount(AnalyticsError):
    """No account has the given user name."""


class NoMonthlyData(AnalyticsError):
    """No monthly results are in force to start from (e.g. a proposal of annual targets)."""


class InvalidPivot(AnalyticsError):
    """A pivot names a dimension or indicator outside the whitelist, one twice, or a malformed month."""


class QueryRefused(AnalyticsError):
    """A console query is not one read-only SELECT, or reaches for files, settings or extensions."""


class QueryTimeout(AnalyticsError):
    """A console query ran past its time limit and was interrupted."""


class QueryFailed(AnalyticsError):
    """A console query is malformed, names something that does not exist, or needs too much memory."""


class TimeLimitExceeded(AnalyticsError):
    """Work run in a confined child process (a console query, reading an upload) ran past its time and was killed."""


class MemoryLimitExceeded(AnalyticsError):
    """Work run in a confined child process needed more memory than its limit, or answered too much."""


class WorkerFailed(AnalyticsError):
    """A confined child process ended without an answer for a reason other than its limits."""


class InvalidUsername(AnalyticsError):
    """A new account's user name is empty, too long, or has characters outside the allowed set."""


class InvalidDisplayName(AnalyticsError):
    """A new account's full name is empty or too long."""


class WeakPassword(AnalyticsError):
    """A new password is too short, too long or too easy to guess."""


class UnknownRole(AnalyticsError):
    """A role outside viewer, analyst and admin."""


class SessionExpired(AnalyticsError):
    """A sign-in session went unused too long or outlived its lifetime; the user signs in again."""


class SessionRevoked(AnalyticsError):
    """A sign-in session was ended on the server: its account was disabled, deleted or given a new password."""


class IdentityRefused(AnalyticsError):
    """A single sign-on identity has no enabled local account and its domain is not allowed in."""


class BriefingFailed(AnalyticsError):
    """The briefing's files could not be drawn; the message carries the end of the child's report."""


class PublicationRefused(AnalyticsError):
    """A month's list of employers cannot be published or withdrawn as asked (no list, no source, already public)."""

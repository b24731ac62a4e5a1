# The applicant's complete draft (with its documents) for the download tests, and last year's
# call (with a document template) for the copy test.
from tests.applications.conftest import complete_draft, verified_applicant  # noqa: F401
from tests.projects.test_copy_call import last_year  # noqa: F401

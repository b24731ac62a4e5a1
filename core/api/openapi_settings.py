"""Names of the choice sets in the OpenAPI description (read by SPECTACULAR_SETTINGS).

Several models have a field called ``kind`` or ``status`` with different choices; naming each set
once keeps the generated components stable and ``spectacular --fail-on-warn`` clean.
Plain strings only: this module is imported by the settings.
"""

ENUM_NAME_OVERRIDES = {
    "CallKindEnum": "projects.models.Call.Kind",
    "CallStatusEnum": "projects.models.Call.Status",
    "TrackKindEnum": "projects.models.Track.Kind",
    "ApplicantKindEnum": "projects.models.Track.ApplicantKind",
    "ProjectStatusEnum": "projects.models.Project.Status",
    "ProjectSourceEnum": "projects.models.Project.Source",
    "CountryRegionEnum": "projects.models.Country.Region",
    "OrganizationKindEnum": "accounts.models.Organization.Kind",
    "ApiTokenScopeEnum": "accounts.models.ApiToken.Scope",
    "ApplicationStatusEnum": "applications.models.Application.Status",
    "RequestedDeliverableEnum": "applications.models.Application.Deliverable",
    "ConsortiumRoleEnum": "applications.models.ConsortiumMember.Role",
    "ClarificationStatusEnum": "applications.models.ClarificationRequest.Status",
    "AssignmentStatusEnum": "reviews.models.Assignment.Status",
    "DeclineReasonEnum": "reviews.models.Assignment.DeclineReason",
    "RecommendationEnum": "reviews.models.Assignment.Recommendation",
    "ConfidenceEnum": "reviews.models.Assignment.Confidence",
    "ConflictKindEnum": "reviews.models.ConflictDeclaration.Kind",
    "ConflictSourceEnum": "reviews.models.ConflictDeclaration.Source",
    "DecisionOutcomeEnum": "results.models.Decision.Outcome",
    "AwardStatusEnum": "awards.models.Award.Status",
    "DeliverableKindEnum": "awards.models.Deliverable.Kind",
    "AgreementKindEnum": "awards.models.Agreement.Kind",
    "AgreementStatusEnum": "awards.models.Agreement.Status",
    "BudgetCategoryEnum": "awards.models.BudgetCategory",
    "TrancheStatusEnum": "awards.models.Tranche.Status",
    "PaymentRequestStatusEnum": "awards.models.PaymentRequest.Status",
}

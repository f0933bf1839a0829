"""The Word and Excel reports: the monthly briefing, the commune form and the province annual report,
over shared building blocks (``blocks``)."""

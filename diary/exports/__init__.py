"""Doctor exports: a PDF clinician report, tidy and wide CSV, and FHIR R4 JSON,
built by background jobs and served only to their owner."""

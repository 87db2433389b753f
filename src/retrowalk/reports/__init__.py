"""Reports for people: the clinician's PDF report of one patient over a period."""

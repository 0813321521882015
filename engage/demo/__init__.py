"""Demo data: `flask demo load` fills an empty installation with a realistic, labelled example."""

"""infrastructure_projects."""

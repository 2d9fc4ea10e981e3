"""Organizations: the agencies, NGOs, companies and community bodies that run or fund work."""

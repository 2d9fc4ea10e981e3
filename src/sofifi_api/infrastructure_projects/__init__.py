"""Infrastructure projects: roads, bridges, water and other works built with the community."""

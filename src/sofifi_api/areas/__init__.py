"""Administrative areas (province, regency, district, village) addressed by their code."""

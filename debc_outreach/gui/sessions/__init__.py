"""Planning and running training sessions: the list, check-in, skills, plans and sheets."""

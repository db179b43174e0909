"""Moving records between computers: sync, enrolment of devices, conflicts."""

"""Working days and deadlines: the calendar, the statutory holidays, due dates and lights."""

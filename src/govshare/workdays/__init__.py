"""Working days (工作日): statutory holidays and make-up workdays, deadline arithmetic."""

"""The public privacy notice and accessibility statement, as NHS services must publish."""

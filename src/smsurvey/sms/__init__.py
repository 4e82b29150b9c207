"""Pure SMS rules: no I/O, no clock reads, nothing imported from the rest of the project."""

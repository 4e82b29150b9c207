"""SMS providers behind one protocol; only these modules know a wire format."""

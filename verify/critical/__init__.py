"""Critical points: float64 finders (candidates) and snapping to exact rational points."""

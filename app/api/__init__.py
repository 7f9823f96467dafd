"""One APIRouter per domain; handlers validate, call app.core, and convert NumPy at the edge."""

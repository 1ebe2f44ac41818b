"""Guide downloads (placeholder until written)."""

from fastapi import APIRouter

router = APIRouter()

"""Adapters to other systems' vocabularies (HL7 FHIR), kept out of `domain/` so it stays pure."""

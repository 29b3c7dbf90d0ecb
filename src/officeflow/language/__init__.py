"""Text classification offline: sentence embeddings (all-MiniLM-L6-v2, int8, onnxruntime) with
trained, calibrated heads.

Built-in models: ``ticket-triage`` (category and priority of an IT ticket) and ``email-intent``
(invoice, expense, it_ticket, hr, other). ``train_head`` trains a head for a label set a user
defines from a handful of examples. ``LanguageModels`` loads models by name and shares one
embedder; ``LanguageModel`` presents a classifier as an ``officeflow.models.Model``.
See docs/language.md.
"""

from officeflow.language.adapter import LanguageModel
from officeflow.language.catalog import BUILT_IN, LanguageModels
from officeflow.language.classifier import TextClassifier
from officeflow.language.custom import train_head
from officeflow.language.embedder import SentenceEmbedder
from officeflow.language.errors import ExamplesInvalid, LanguageArtifactInvalid, LanguageModelNotFound, TextInputInvalid
from officeflow.language.head import Scored, TextHead

__all__ = [
    "BUILT_IN",
    "ExamplesInvalid",
    "LanguageArtifactInvalid",
    "LanguageModel",
    "LanguageModelNotFound",
    "LanguageModels",
    "Scored",
    "SentenceEmbedder",
    "TextClassifier",
    "TextHead",
    "TextInputInvalid",
    "train_head",
]

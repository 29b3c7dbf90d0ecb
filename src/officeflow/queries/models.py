"""What the API reads of the model registry: models with who decides, a model's versions, stage
history and path counts, one version. (The console's pages read model_monitoring.)"""

from __future__ import annotations

from collections import defaultdict

from officeflow.modelops.registry import ModelSummary, summary
from officeflow.modelops.stages import ModelNotFound
from officeflow.store.base import Store
from officeflow.store.tx_models import ModelPathCount, ModelStageChange, ModelVersionRow


class ModelQueries:
    def __init__(self, store: Store) -> None:
        self.store = store

    def models(self, tenant: str) -> list[ModelSummary]:
        with self.store.read() as tx:
            rows = tx.list_model_versions(tenant)
        by_name: dict[str, list[ModelVersionRow]] = defaultdict(list)
        for row in rows:
            by_name[row.name].append(row)
        return [summary(name, versions) for name, versions in sorted(by_name.items())]

    def model(
        self, tenant: str, name: str, history: int = 50
    ) -> tuple[list[ModelVersionRow], list[ModelStageChange], list[ModelPathCount]]:
        """A model's versions (oldest first), its latest stage changes and its path counts."""
        with self.store.read() as tx:
            versions = tx.list_model_versions(tenant, name)
            changes = tx.list_model_stage_changes(tenant, name, limit=history)
            paths = tx.model_path_counts(tenant, name)
        if not versions:
            raise ModelNotFound(f"there is no model {name}")
        return versions, changes, paths

    def version(self, tenant: str, name: str, version: str) -> ModelVersionRow:
        with self.store.read() as tx:
            row = tx.get_model_version(tenant, name, version)
        if row is None:
            raise ModelNotFound(f"model {name} has no version {version}")
        return row

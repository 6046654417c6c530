"""The plan's launch settings applied to every server of a wave (UpdateLaunchConfiguration)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from shared.aws_values import MGN_BOOT_MODE, MGN_LAUNCH_DISPOSITION, MGN_RIGHT_SIZING

from operators.mgn.wave_base import MgnWaveOperator

if TYPE_CHECKING:
    from airflow.sdk import Context


class MgnUpdateLaunchConfigurationOperator(MgnWaveOperator):
    """
    Apply the plan's launch settings to every server of the wave; only differences are sent. Returns the IDs
    whose configuration changed. Settings left None are not touched.

    :param right_sizing: ``targetInstanceTypeRightSizingMethod``: "NONE" or "BASIC".
    :param copy_private_ip: keep the source's private IP on the launched instance.
    :param copy_tags: copy the source server's tags to the instance.
    :param os_byol: bring your own OS licence (``licensing.osByol``).
    :param launch_disposition: "STARTED" or "STOPPED" after launch.
    :param boot_mode: "LEGACY_BIOS", "UEFI" or "USE_SOURCE".
    """

    ENUMS: ClassVar[dict[str, frozenset[str]]] = {
        "targetInstanceTypeRightSizingMethod": frozenset(MGN_RIGHT_SIZING),
        "launchDisposition": frozenset(MGN_LAUNCH_DISPOSITION),
        "bootMode": frozenset(MGN_BOOT_MODE),
    }
    template_fields: Sequence[str] = aws_template_fields("source_server_ids", "settings")

    def __init__(
        self,
        *,
        right_sizing: str | None = None,
        copy_private_ip: bool | None = None,
        copy_tags: bool | None = None,
        os_byol: bool | None = None,
        launch_disposition: str | None = None,
        boot_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        settings: dict[str, Any] = {
            "targetInstanceTypeRightSizingMethod": right_sizing,
            "copyPrivateIp": copy_private_ip,
            "copyTags": copy_tags,
            "licensing": None if os_byol is None else {"osByol": os_byol},
            "launchDisposition": launch_disposition,
            "bootMode": boot_mode,
        }
        self.settings = {k: v for k, v in settings.items() if v is not None}
        for key, allowed in self.ENUMS.items():  # botocore never checks enums client-side
            if key in self.settings and self.settings[key] not in allowed:
                raise ValueError(f"{key} must be one of {sorted(allowed)}, got {self.settings[key]!r}")

    def execute(self, context: Context) -> list[str]:
        changed = []
        for sid in self.describe_wave():
            current = self.hook.get_launch_configuration(sid)
            diff = {k: v for k, v in self.settings.items() if current.get(k) != v}
            if diff:
                self.hook.update_launch_configuration(sid, **diff)
                changed.append(sid)
                self.log.info("Launch configuration of %s: set %s", sid, sorted(diff))
        self.log.info("Launch configuration changed for %s, already as planned for the others.", changed)
        self.persist_links(context)
        return changed

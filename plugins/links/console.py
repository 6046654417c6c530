"""One kind of link: a page of an AWS service's console, its values from the task's XCom (BaseAwsLink).

The class names are kept as the tasks' links are known by them: Airflow stores a link's URL under
`_link_<class name>` and the serialized DAG names it so.
"""

from __future__ import annotations

from collections.abc import Callable

from airflow.providers.amazon.aws.links.base_aws import BASE_AWS_CONSOLE_LINK, BaseAwsLink


def console_pages(module: str, home: str) -> Callable[[str, str, str, str], type[BaseAwsLink]]:
    """A maker of link classes for the pages under one console home (`home` after the console's domain)."""

    def page(class_name: str, name: str, key: str, path: str) -> type[BaseAwsLink]:
        attributes = {"name": name, "key": key, "format_str": BASE_AWS_CONSOLE_LINK + home + path}
        return type(class_name, (BaseAwsLink,), {"__module__": module, **attributes})

    return page

"""Every router of accounts and identity, in the order app.py includes them."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.accounts import (
    account_pages, api, login_pages, oidc_pages, org_pages, qr_pages, register_pages, staff_accounts_pages, staff_api,
    staff_audit_pages, staff_login_pages, staff_org_pages, staff_people_pages, staff_policy_pages, staff_status_pages,
)

routers: list[APIRouter] = [
    # staff pages (/staff/...), in the order the one staff_pages module once declared them
    staff_login_pages.router, staff_people_pages.router, staff_status_pages.router, staff_org_pages.router,
    staff_accounts_pages.router, staff_policy_pages.router, staff_audit_pages.router,
    api.router, staff_api.router,
    # public pages
    register_pages.router, login_pages.router, qr_pages.router, account_pages.router, oidc_pages.router, org_pages.router,
]

"""abc-costing dashboard: `make run`, or `streamlit run dashboard.py`.

A thin router: who the user is, and the pages their roles may use. A page a
role may not use is not registered, so it cannot be reached by URL either;
the save and export functions check the role again themselves.
"""

import streamlit as st

from abc_costing.i18n import translator
from dashboard_pages.state import (
    current_user,
    forbidden_page_notice,
    language,
    language_picker,
    page_title,
    role_names,
    sign_out_button,
    view_as_picker,
)

st.set_page_config(page_title="abc-costing", page_icon="💳", layout="wide")

user = current_user()  # stops the script with a log-in screen when needed
_ = translator(language())


#: The URL paths of the pages this user may open (the default page's own ``url_path``
#: is empty in Streamlit, yet ``/overview`` must still count as one of them).
registered: set[str] = set()


def page(file: str, url_path: str, icon: str, *, default: bool = False) -> st.Page:
    """A page under its title in the reader's language; its URL path is the same in every
    language (bookmarks and tests use it)."""
    registered.add(url_path)
    return st.Page(f"dashboard_pages/{file}", title=page_title(url_path), icon=icon,
                   url_path=url_path, default=default)


pages = []
if "read" in user.rights:
    pages += [
        page("overview.py", "overview", ":material/dashboard:", default=True),
        page("compare.py", "compare", ":material/compare_arrows:"),
        page("simulation.py", "simulation", ":material/query_stats:"),
        page("ledger.py", "ledger", ":material/account_balance:"),
        page("advisor.py", "advisor", ":material/tips_and_updates:"),
    ]
if "edit" in user.rights:
    pages += [page("edit.py", "edit", ":material/edit:"),
              page("import_model.py", "import", ":material/upload_file:"),
              page("resources.py", "resources", ":material/groups:")]
if "edit" in user.rights or "audit" in user.rights:
    pages.append(page("changes.py", "changes", ":material/history:"))
if "audit" in user.rights:
    pages.append(page("export.py", "export", ":material/download:"))

if not pages:
    st.title("abc-costing")  # the product's name, in every language
    # The name comes from the identity provider: shown as text, never as Markdown.
    st.error(_("You are signed in but hold no role. Ask an administrator to add you to the "
               "[roles] table of .streamlit/secrets.toml."))
    st.text(_("Signed in as {user}", user=str(user)))
    sign_out_button(user)
    st.stop()

with st.sidebar:
    st.text(_("Signed in as {user} · {roles}", user=str(user),
              roles=role_names(user.roles, language())))
    sign_out_button(user)
language_picker()
if user.authenticated_by == "local":
    view_as_picker()

forbidden_page_notice(user, registered)
st.navigation(pages).run()

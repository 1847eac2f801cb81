"""abc-costing dashboard: `make run`, or `streamlit run dashboard.py`.

A thin router: who the user is, and the pages their roles may use. A page a
role may not use is not registered, so it cannot be reached by URL either;
the save and export functions check the role again themselves.
"""

import streamlit as st

from dashboard_pages.state import (
    current_user,
    forbidden_page_notice,
    language_picker,
    sign_out_button,
    view_as_picker,
)

st.set_page_config(page_title="abc-costing", page_icon="💳", layout="wide")

user = current_user()  # stops the script with a log-in screen when needed

pages = []
if "read" in user.rights:
    pages += [
        st.Page("dashboard_pages/overview.py", title="Overview", icon=":material/dashboard:",
                url_path="overview", default=True),
        st.Page("dashboard_pages/compare.py", title="Compare", icon=":material/compare_arrows:",
                url_path="compare"),
        st.Page("dashboard_pages/simulation.py", title="Simulation", icon=":material/query_stats:",
                url_path="simulation"),
        st.Page("dashboard_pages/ledger.py", title="Ledger", icon=":material/account_balance:",
                url_path="ledger"),
    ]
if "edit" in user.rights:
    pages.append(st.Page("dashboard_pages/edit.py", title="Edit", icon=":material/edit:",
                         url_path="edit"))
    pages.append(st.Page("dashboard_pages/import_model.py", title="Import",
                         icon=":material/upload_file:", url_path="import"))
    pages.append(st.Page("dashboard_pages/resources.py", title="Resources",
                         icon=":material/groups:", url_path="resources"))
if "edit" in user.rights or "audit" in user.rights:
    pages.append(st.Page("dashboard_pages/changes.py", title="Changes",
                         icon=":material/history:", url_path="changes"))
if "audit" in user.rights:
    pages.append(st.Page("dashboard_pages/export.py", title="Export",
                         icon=":material/download:", url_path="export"))

if not pages:
    st.title("abc-costing")
    # The name comes from the identity provider: shown as text, never as Markdown.
    st.error("You are signed in but hold no role. Ask an administrator to add you to the "
             "[roles] table of .streamlit/secrets.toml.")
    st.text(f"Signed in as {user}")
    sign_out_button(user)
    st.stop()

with st.sidebar:
    st.text(f"Signed in as {user} · {', '.join(sorted(user.roles))}")
    sign_out_button(user)
language_picker()
if user.authenticated_by == "local":
    view_as_picker()

forbidden_page_notice(user, {page.url_path for page in pages})
st.navigation(pages).run()

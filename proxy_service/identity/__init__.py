"""Who the user is: passwords with the account lockout (lockout), one-time codes and recovery
codes (twofactor), login sessions (sessions) and re-authentication before sensitive actions
(reauth).

Below the features and workflow, beside permissions: the login pages (auth/), the exports
(dashboard/, cases/), signing (workflow/agreements) and the notification settings all ask
the same questions, and features must not import each other. No pages here: those are in
auth/."""

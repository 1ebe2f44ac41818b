"""Publications (政策法规与通知公告): policy documents, laws and regulations, and announcements."""

"""Complaints and feedback (投诉 · 问题反馈 · 工作人员建议 · 办不成事): register, verify, assign, dispose, answer (RATE-04, 05, 09, 10, 11)."""

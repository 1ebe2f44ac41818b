"""Help tickets (服务诉求工单): consult → guide → assist → close → follow-up (T/CI 637-2024 §8; CONS-04, 06–09, 11, 13, 14)."""

from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")

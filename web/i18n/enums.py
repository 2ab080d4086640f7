"""The names of enumerations (``<kind>:<value>``), so that no page shows a raw code: ticket
statuses and timeline steps, SMS states and kinds, replies, assignments, roles, priorities,
sources, the wallboard's operator states, print jobs, calls, departments' kinds, shifts,
diets, yes/no, languages. Service types and skills (``svc:<key>``) come from the service
catalog at run time (``WebState.words``). Read them through ``web.labels``."""

from __future__ import annotations

from ticketing.lifecycle import LABELS

# key: (zh-CN, en)
MESSAGES: dict[str, tuple[str, str]] = {
    # ticket statuses: the lifecycle's own names (受理 派发 承办 办结 回访 考核…)
    **{f"status:{s.value}": (names["zh-CN"], names["en"]) for s, names in LABELS.items()},
    # a ticket's timeline steps (its audit rows' actions; ``create`` is shown as the accept)
    "step:accept": ("受理", "Accepted"),
    "step:dispatch": ("派发", "Dispatched"),
    "step:worker_accept": ("师傅接单", "Worker accepted"),
    "step:start": ("到场开工", "Work started"),
    "step:complete": ("办结", "Completed"),
    "step:release": ("师傅无法处理", "Worker could not do it"),
    "step:callback": ("回访", "Called back"),
    "step:assess": ("考核", "Assessed"),
    "step:cancel": ("取消", "Cancelled"),
    "step:reopen": ("重新打开", "Reopened"),
    "step:merge": ("合并为重复", "Merged as a duplicate"),
    "step:merged_in": ("并入重复工单", "Duplicate merged in"),
    "step:escalate": ("升级", "Escalated"),
    "step:edit": ("修改", "Edited"),
    "step:link_call": ("关联来电", "Call linked"),
    "step:reprint": ("补打派工单", "Slip reprinted"),
    "step:resend": ("重发短信", "SMS sent again"),
    "step:approval_requested": ("请护士长审批", "Approval asked"),
    "step:approve": ("护士长同意", "Approved"),
    "step:reject": ("护士长不同意", "Refused"),
    # SMS out: the outbox's states, and on the board an order's answer
    "sms:queued": ("待发", "Queued"),
    "sms:sending": ("发送中", "Sending"),
    "sms:retry": ("待重发", "Retrying"),
    "sms:sent": ("已发出", "Sent"),
    "sms:delivered": ("已送达", "Delivered"),
    "sms:failed": ("发送失败", "Failed"),
    "sms:replied": ("已回复", "Replied"),
    "sms:none": ("未发", "Not sent"),
    # SMS out: what a message is (the template it was written from)
    "smskind:work_order": ("派工", "Work order"),
    "smskind:confirm": ("确认", "Confirmation"),
    "smskind:explain": ("说明", "Explanation"),
    "smskind:cancelled": ("撤单通知", "Cancellation"),
    "smskind:escalation": ("升级通知", "Escalation"),
    "smskind:approval": ("审批请求", "Approval request"),
    "smskind:reply": ("回复", "Reply"),
    # SMS in: what was done with a reply
    "reply:acted": ("已处理", "Acted on"),
    "reply:rejected": ("未采纳", "Not acted on"),
    "reply:duplicate": ("重复", "Duplicate"),
    # a worker on a ticket
    "assign:offered": ("待接单", "Offered"),
    "assign:accepted": ("已接单", "Accepted"),
    "assign:released": ("已退回", "Released"),
    "assign:finished": ("已完成", "Finished"),
    # log-in roles
    "role:operator": ("话务员", "Operator"),
    "role:dispatcher": ("调度员", "Dispatcher"),
    "role:lead": ("班组长", "Team lead"),
    "role:manager": ("主管", "Manager"),
    "role:admin": ("系统管理员", "Administrator"),
    "role:viewer": ("只读访客", "Viewer"),
    # staff roles (master data)
    "staffrole:worker": ("师傅", "Worker"),
    "staffrole:lead": ("班长", "Team lead"),
    "staffrole:operator": ("话务员", "Operator"),
    "staffrole:clerk": ("文员", "Clerk"),
    "staffrole:manager": ("主管", "Manager"),
    "staffrole:ward_head": ("护士长", "Ward head"),
    # priorities
    "prio:normal": ("普通", "Normal"),
    "prio:urgent": ("紧急", "Urgent"),
    "prio:critical": ("危急", "Critical"),
    # where a ticket came from
    "source:phone": ("电话", "Phone"),
    "source:ivr": ("语音导航", "IVR"),
    "source:self_service": ("自助报修", "Self-service"),
    "source:desk": ("受理台", "Desk"),
    "source:sms": ("短信", "SMS"),
    # call-backs: who asked
    "via:operator": ("话务员回访", "By an operator"),
    "via:ivr": ("语音回访", "By the IVR"),
    "via:sms": ("短信回访", "By SMS"),
    # the wallboard's operators (queue member states)
    "opstate:idle": ("空闲", "Idle"),
    "opstate:ringing": ("振铃", "Ringing"),
    "opstate:in_call": ("通话中", "In a call"),
    "opstate:busy": ("忙", "Busy"),
    "opstate:on_hold": ("保持", "On hold"),
    "opstate:paused": ("小休", "Paused"),
    "opstate:unavailable": ("不可用", "Unavailable"),
    "opstate:invalid": ("无效", "Invalid"),
    "opstate:logged_out": ("已签出", "Logged out"),
    "opstate:unknown": ("未知", "Unknown"),
    # print jobs
    "print:queued": ("待打印", "Queued"),
    "print:printing": ("打印中", "Printing"),
    "print:printed": ("已打印", "Printed"),
    "print:retry": ("待重试", "Retrying"),
    "print:failed": ("打印失败", "Failed"),
    # hotline calls
    "call:answered": ("已接听", "Answered"),
    "call:abandoned": ("放弃", "Abandoned"),
    "call:ended_in_ivr": ("语音导航内结束", "Ended in the IVR"),
    # master data enumerations
    "orgkind:department": ("科室", "Department"),
    "orgkind:ward": ("病区", "Ward"),
    "orgkind:team": ("班组", "Team"),
    "orgkind:office": ("职能处室", "Office"),
    "shift:day": ("白班", "Day"),
    "shift:night": ("夜班", "Night"),
    "shift:all": ("全天", "All day"),
    "diet:regular": ("普食", "Regular"),
    "diet:soft": ("软食", "Soft"),
    "diet:semi_liquid": ("半流食", "Semi-liquid"),
    "diet:liquid": ("流食", "Liquid"),
    "diet:diabetic": ("糖尿病餐", "Diabetic"),
    "diet:low_salt": ("低盐", "Low salt"),
    "diet:low_fat": ("低脂", "Low fat"),
    "diet:halal": ("清真", "Halal"),
    "diet:vegetarian": ("素食", "Vegetarian"),
    "bool:true": ("是", "Yes"),
    "bool:false": ("否", "No"),
    "lang:zh-CN": ("中文", "Chinese"),
    "lang:en": ("英文", "English"),
}

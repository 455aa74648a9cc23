"""The demo's small wishes (点亮微心愿) in 振兴社区: one waiting with a photo, one taken into the
next cycle, one referred to the 12345 hotline and one declined, each answered by 张伟."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from ..models import Community, User, Wish
from ..services import accounts, places, wishes
from .demo_proposals import _picture


def load_wishes(now: datetime, say: Callable[[str], None]) -> int:
    zhenxing = places.find_community("zhenxing")
    chair = accounts.find_login("zhangwei")
    wang = accounts.find_login("wangxiuying")
    neighbour = accounts.find_login("zhenxing01")
    other = accounts.find_login("zhenxing02")
    assert isinstance(zhenxing, Community) and chair and wang and neighbour and other

    def send(author: User, days: int, text: str, place: str, photo: bytes | None = None) -> Wish:
        return wishes.send_wish(
            author, zhenxing, text=text, place=place, photo=photo,
            now=now - timedelta(days=days),
        )  # fmt: skip

    send(wang, 2, "1栋楼道的台阶没有扶手，老人上下楼不方便，希望装一段扶手。", "1栋1单元",
         _picture(31, "楼道扶手"))  # fmt: skip
    taken = send(neighbour, 20, "小区东门口晚上太暗，想在门口加一盏路灯。", "东门")
    wishes.answer_wish(chair, taken, status="taken",
                       answer="纳入下一轮微实事，征集开始后由居委会代为提交。",
                       now=now - timedelta(days=18))  # fmt: skip
    referred = send(other, 15, "振兴路上有个井盖松动，车一压就响，晚上很吵。", "振兴路菜市场旁")
    wishes.answer_wish(chair, referred, status="referred", referred_to="12345 市民热线",
                       answer="井盖归市政管理，已转 12345，工单已受理，约一周内维修。",
                       now=now - timedelta(days=14))  # fmt: skip
    declined = send(neighbour, 10, "希望社区每月组织一次免费旅游。", "")
    wishes.answer_wish(chair, declined, status="declined",
                       answer="微实事资金用于社区公共设施和服务，不能用于个人旅游；"
                              "社区老年协会有每季度一次的短途活动，欢迎报名。",
                       now=now - timedelta(days=9))  # fmt: skip
    say(
        "wishes: 振兴社区, 4 small wishes (one open, one taken, one referred to 12345, one declined)"
    )
    return 4

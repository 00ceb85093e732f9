"""The shipped labels of the code tables fixed by the notice and by national standards, marked for translation
(makemessages finds them here): AJC00A (the attachment's exit reasons), AAC058 (document types), AAC004 (sex).

``codes.lookup`` passes every label through gettext, so these show in the reader's language; a label an
administrator has changed (editable tables) has no translation and shows as typed.
"""

from django.utils.translation import gettext_noop

FIXED_LABELS = [
    # AJC00A
    gettext_noop("被各类用人单位录用或招聘"),
    gettext_noop("从事个体经营、创办企业或民办非企业"),
    gettext_noop("已从事有稳定收入的劳动，并且月收入不低于当地最低生活保障标准"),
    gettext_noop("公益性岗位安置"),
    gettext_noop("已依法享受基本养老保险待遇"),
    gettext_noop("完全丧失劳动能力"),
    gettext_noop("入学、应征服兵役、移居境外"),
    gettext_noop("被判刑收监执行"),
    gettext_noop("死亡"),
    gettext_noop("连续3次拒绝接受公共就业服务"),
    gettext_noop("连续6个月无法取得联系"),
    gettext_noop("其他"),
    # AAC058
    gettext_noop("居民身份证（户口簿）"),
    gettext_noop("中国人民解放军军官证"),
    gettext_noop("中国人民武装警察警官证"),
    gettext_noop("香港特区护照/港澳居民来往内地通行证"),
    gettext_noop("澳门特区护照/港澳居民来往内地通行证"),
    gettext_noop("台湾居民来往大陆通行证"),
    gettext_noop("外国人永久居留证"),
    gettext_noop("外国人护照"),
    gettext_noop("残疾人证"),
    gettext_noop("军烈属证明"),
    gettext_noop("外国人就业证"),
    gettext_noop("外国专家证"),
    gettext_noop("外国人常驻记者证"),
    gettext_noop("台港澳人员就业证"),
    gettext_noop("回国（来华）定居专家证"),
    gettext_noop("中国护照"),
    gettext_noop("港澳台居民居住证"),
    gettext_noop("社会保障卡"),
    gettext_noop("保密人员证件"),
    gettext_noop("其他身份证件"),
    # AAC004
    gettext_noop("未知的性别"),
    gettext_noop("男"),
    gettext_noop("女"),
    gettext_noop("未说明的性别"),
]

"""The catalogues are complete: for every domain (docs/i18n.md), a fresh extraction of its
sources against its .po: every message translated (not empty, not fuzzy), no entry unused, and
the placeholders and markup kept. The same check as `python -m app.i18n check`."""

import pytest

from app import i18n, i18n_tools


@pytest.mark.parametrize("domain", i18n_tools.domains())
def test_domain_is_translated_and_has_no_unused_entry(domain):
    problems = i18n_tools.problems(domain)
    assert problems == [], "\n".join(problems)


def test_every_lesson_template_is_a_domain():
    slugs = {i18n.page_domain(lesson.slug) for lesson in __import__("app.pages").pages.LESSONS}
    assert slugs <= set(i18n_tools.domains())


@pytest.mark.parametrize(
    ("partial", "owner"),
    [
        ("_conv_backward.html", "conv"),
        ("_optimizers_custom.html", "optimizers"),
        ("_conv_transpose_stamps.html", "conv_transpose"),
        ("_share.html", "site"),
    ],
)
def test_partials_belong_to_their_lesson(partial, owner):
    lessons = ["conv", "conv_transpose", "optimizers", "pooling"]
    assert i18n_tools.partial_owner(partial, lessons) == owner


@pytest.mark.parametrize(
    ("source", "translation", "same"),
    [
        ("Step {step} of {total}", "第 {step} 步，共 {total} 步", True),
        ("Step {step} of {total}", "第 {step} 步", False),
        ("There is <code>%(path)s</code>", "<code>%(path)s</code> 不存在", True),
        ("There is <code>%(path)s</code>", "%(path)s 不存在", False),
        ("a <em>stride</em>", "<em>步长</em>", True),
        ("a <em>stride</em>", "步长", False),
    ],
)
def test_markers_compare_placeholders_and_tags(source, translation, same):
    assert (i18n_tools.markers(source) == i18n_tools.markers(translation)) is same


def test_script_catalogue_holds_the_script_messages_of_site_and_page():
    import json

    data = json.loads(i18n.script_catalogue_json("zh", "conv"))
    assert data["lang"] == "zh"
    assert data["messages"]["▶ Play"] == "▶ 播放"
    assert data["messages"]["{speed}× ({n} step/s)"] == ["{speed}×（每秒 {n} 步）"]
    assert "Projector mode" not in data["messages"]  # a template's message: not in the scripts
    assert json.loads(i18n.script_catalogue_json("en", "conv")) == {"lang": "en", "messages": {}}
    assert "<" not in i18n.script_catalogue_json("zh", None)  # safe inside a <script> element


def test_a_lesson_page_uses_its_own_translation_of_a_shared_label():
    """Two lessons may translate one short label differently; each page shows its own."""
    from app.i18n import domain_files, read_catalog, translations

    domains = [path.stem for path in domain_files("zh")]
    checked = 0
    for domain in domains:
        for message in read_catalog("zh", domain):
            if not message.id or message.pluralizable or message.fuzzy or not message.string:
                continue
            shown = translations("zh", domain)
            if message.context:
                translated = shown.pgettext(message.context, message.id)
            else:
                translated = shown.gettext(message.id)
            assert translated == message.string, (
                domain,
                message.id,
            )
            checked += 1
    assert checked > 500


def test_the_layer_type_convolution_is_not_the_lesson_title():
    """"Convolution" is the lesson (卷积) and, in the "layer type" context, a layer (卷积层)."""
    from app.pages import built_catalogue

    assert i18n.translations("zh").gettext("Convolution") == "卷积"
    assert i18n.translations("zh").pgettext("layer type", "Convolution") == "卷积层"
    assert built_catalogue("cnn", "zh")["layer_types"]["conv"]["label"] == "卷积层"
    assert built_catalogue("cnn", "en")["layer_types"]["conv"]["label"] == "Convolution"
    assert built_catalogue("cnn", "zh")["layer_types"]["flatten"]["label"] == "展平"

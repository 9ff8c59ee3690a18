"""``playerdesk triage train`` and ``playerdesk triage evaluate FILE.jsonl``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from playerdesk.triage import actions, config, evaluate


class Command(BaseCommand):
    help = "Triage: train the category classifier, evaluate triage on a labelled file, or try a text."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("train", help="train on the seed set and the desk's agent-confirmed cases")
        evaluate = sub.add_parser(
            "evaluate", help="accuracy on a JSONL file (text, subject, lang, category, urgent)"
        )
        evaluate.add_argument("file", type=Path)
        evaluate.add_argument("--misses", type=int, default=50, help="misclassified examples to print")
        test = sub.add_parser("test", help="what triage would do with a text, and why")
        test.add_argument("text")
        test.add_argument("--subject", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "train":
            trained = actions.do_train(label="playerdesk triage train")
            self.stdout.write(
                f"Trained on {trained.examples} examples ({trained.confirmed_examples} confirmed by agents); "
                f"model {trained.params.get('version')} is now in use."
            )
        elif action == "evaluate":
            path: Path = options["file"]
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
            try:
                rows = evaluate.load(path)
            except evaluate.BadFile as exc:
                raise CommandError(f"{path}: {exc}") from exc
            report = evaluate.evaluate(config.load_config(), rows)
            self.stdout.write(evaluate.render(report, show_misses=options["misses"]))
        else:
            result = actions.triage_text(options["subject"], options["text"])
            self.stdout.write(result.summary)
            for reason in result.reasons:
                self.stdout.write(f"  {reason}")

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from signatures import places


class Command(BaseCommand):
    help = ("Rebuild signatures/data/places.json.gz from a newer copy of "
            "@etalab/decoupage-administratif's data/ directory, or from INSEE's COG "
            "commune file (v_commune_AAAA.csv). Restart the web processes afterwards.")

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path,
                            help="the package's data/ directory, or v_commune_AAAA.csv")
        parser.add_argument("--output", type=Path, default=places.PLACES_FILE,
                            help="where to write (default: the shipped file)")

    def handle(self, *args, source, output, **options):
        if source.is_dir():
            missing = [name for name in ("communes", "epci", "departements", "regions")
                       if not (source / f"{name}.json").is_file()]
            if missing:
                raise CommandError(f"{source} lacks {', '.join(n + '.json' for n in missing)}")
            data = places.data_from_etalab(source, source=self.describe(source))
        elif source.is_file():
            previous = places.read_data(places.PLACES_FILE)
            try:
                data = places.data_from_cog_csv(source, previous,
                                                source=f"INSEE COG, {source.name}")
            except places.UnknownFormat as error:
                raise CommandError(str(error)) from error
        else:
            raise CommandError(f"{source} does not exist")
        places.write_data(data, output)
        self.stdout.write(
            f"{output}: {len(data['communes'])} communes, {len(data['epci'])} EPCI, "
            f"{len(data['departements'])} départements, {len(data['regions'])} régions.")

    @staticmethod
    def describe(directory: Path) -> str:
        """"@etalab/decoupage-administratif@6.1.0 (MIT)" when the package.json is beside it."""
        import json

        manifest = directory.parent / "package.json"
        if manifest.is_file():
            package = json.loads(manifest.read_text())
            return f"{package.get('name')}@{package.get('version')} ({package.get('license')})"
        return f"{directory.name} (Etalab decoupage-administratif, MIT)"

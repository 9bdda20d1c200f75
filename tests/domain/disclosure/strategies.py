"""Hypothesis strategies and factories for count tables."""

from hypothesis import strategies as st

from portal.domain.disclosure import CountTable

# Many small counts and zeros, the cases disclosure control is for, with some large ones.
count_values = st.one_of(
    st.integers(0, 3), st.integers(1, 10), st.integers(0, 10), st.integers(11, 60)
)


@st.composite
def count_grids(
    draw: st.DrawFn, values: st.SearchStrategy[int] = count_values, max_side: int = 8
) -> list[list[int]]:
    rows = draw(st.integers(1, max_side))
    columns = draw(st.integers(1, max_side))
    return draw(
        st.lists(
            st.lists(values, min_size=columns, max_size=columns),
            min_size=rows,
            max_size=rows,
        )
    )


def count_table(
    counts: list[list[int]],
    contributors: list[list[int]] | None = None,
    compact_id: str = "compact-1",
    quarters: tuple[str, ...] | None = None,
) -> CountTable:
    return CountTable(
        compact_id=compact_id,
        scope="HR-1",
        regions=tuple(f"region-{i}" for i in range(len(counts))),
        quarters=quarters or tuple(f"{2025 + j // 4}Q{j % 4 + 1}" for j in range(len(counts[0]))),
        counts=tuple(tuple(row) for row in counts),
        contributors=None if contributors is None else tuple(tuple(r) for r in contributors),
    )

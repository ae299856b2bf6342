using System.Collections;
using System.Runtime.CompilerServices;

namespace ModelMerge.Formats.Recipes;

/// <summary>
/// An immutable list that compares by its elements, so that two recipes saying the same
/// thing are equal records (a plain <see cref="IReadOnlyList{T}"/> member would compare by
/// reference).
/// </summary>
[CollectionBuilder(typeof(RecipeList), nameof(RecipeList.Create))]
public sealed class RecipeList<T> : IReadOnlyList<T>, IEquatable<RecipeList<T>>
{
    private readonly T[] _items;

    public RecipeList(IEnumerable<T> items) => _items = [.. items];

    public static RecipeList<T> Empty { get; } = new([]);

    public T this[int index] => _items[index];

    public int Count => _items.Length;

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public bool Equals(RecipeList<T>? other) =>
        other is not null && _items.AsSpan().SequenceEqual(other._items, EqualityComparer<T>.Default);

    public override bool Equals(object? obj) => Equals(obj as RecipeList<T>);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items) hash.Add(item);
        return hash.ToHashCode();
    }

    public override string ToString() => $"[{string.Join(", ", _items)}]";
}

/// <summary>Lets a collection expression (<c>[0.2, 0.8]</c>) build a <see cref="RecipeList{T}"/>.</summary>
public static class RecipeList
{
    public static RecipeList<T> Create<T>(ReadOnlySpan<T> items) => new(items.ToArray());
}

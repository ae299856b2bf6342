using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace ModelMerge.Formats.Recipes;

/// <summary>
/// An immutable map with ordinal string keys that keeps the order the recipe wrote them in
/// (messages, the model card and <c>tokenizer.tokens</c> follow it) and compares by its
/// entries in that order.
/// </summary>
public sealed class RecipeMap<TValue> : IReadOnlyDictionary<string, TValue>, IEquatable<RecipeMap<TValue>>
{
    private readonly KeyValuePair<string, TValue>[] _entries;
    private readonly Dictionary<string, TValue> _lookup;

    /// <exception cref="ArgumentException">A key occurs twice.</exception>
    public RecipeMap(IEnumerable<KeyValuePair<string, TValue>> entries)
    {
        _entries = [.. entries];
        _lookup = new Dictionary<string, TValue>(_entries.Length, StringComparer.Ordinal);
        foreach (var (key, value) in _entries) _lookup.Add(key, value);
    }

    public static RecipeMap<TValue> Empty { get; } = new([]);

    public TValue this[string key] => _lookup[key];

    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    public IEnumerable<TValue> Values => _entries.Select(e => e.Value);

    public int Count => _entries.Length;

    public bool ContainsKey(string key) => _lookup.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value) => _lookup.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, TValue>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, TValue>>)_entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(RecipeMap<TValue>? other)
    {
        if (other is null || other._entries.Length != _entries.Length) return false;
        for (int i = 0; i < _entries.Length; i++)
        {
            if (!string.Equals(_entries[i].Key, other._entries[i].Key, StringComparison.Ordinal)) return false;
            if (!EqualityComparer<TValue>.Default.Equals(_entries[i].Value, other._entries[i].Value)) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as RecipeMap<TValue>);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (key, value) in _entries)
        {
            hash.Add(key, StringComparer.Ordinal);
            hash.Add(value);
        }
        return hash.ToHashCode();
    }

    public override string ToString() => "{" + string.Join(", ", _entries.Select(e => $"{e.Key}: {e.Value}")) + "}";
}

using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ModelMerge.Formats.Recipes;

/// <summary>
/// Sits between YamlDotNet's parser and its representation model and refuses, as the events
/// stream past, what the model would turn into a crash or a hang: nesting past
/// <see cref="RecipeLimits.MaxDepth"/> (the loader recurses per level), an alias inside the
/// node it names (a cycle), and keys that are not plain scalars (the loader hashes keys, and a
/// cyclic or alias-amplified key hashes forever). It also catches, with a key path, what is
/// wrong as YAML but reported poorly or not at all further on: duplicate keys (PyYAML keeps
/// the last silently), aliases to undefined anchors, YAML merge keys, a second document.
/// It counts the nodes as written against <see cref="RecipeLimits.MaxNodes"/>, which bounds
/// what the representation model builds from a large text.
/// </summary>
internal sealed class YamlEventGuard(IParser inner, RecipeContext context) : IParser
{
    /// <summary>One open mapping or list. Frames are reused level by level, so that a text of many small mappings costs no frame each.</summary>
    private sealed class Frame
    {
        public bool IsMapping { get; private set; }
        public string? Anchor { get; private set; }
        public bool ExpectsKey { get; set; }
        public string? Key { get; set; }
        public int Index { get; set; }
        public Dictionary<string, Mark> Keys { get; } = new(StringComparer.Ordinal);

        public Frame Reset(bool isMapping, string? anchor)
        {
            (IsMapping, Anchor, ExpectsKey, Key, Index) = (isMapping, anchor, true, null, 0);
            Keys.Clear();
            return this;
        }
    }

    private readonly List<Frame> _open = [];
    private readonly List<Frame> _frames = [];
    private readonly HashSet<string> _anchors = new(StringComparer.Ordinal);
    private int _documents;
    private int _nodes;

    public ParsingEvent? Current => inner.Current;

    /// <summary>Where the last event started; a parser error is reported here when it carries no position of its own.</summary>
    public Mark LastMark { get; private set; } = Mark.Empty;

    public bool MoveNext()
    {
        if (!inner.MoveNext()) return false;
        var current = inner.Current!;
        LastMark = current.Start;
        switch (current)
        {
            case DocumentStart when ++_documents > 1:
                throw Refuse(RecipeErrors.Schema, current.Start, CurrentPath(), "a second YAML document starts here; a recipe is one document");
            case Scalar scalar:
                BeginNode(scalar);
                EndNode();
                break;
            case AnchorAlias alias:
                BeginNode(alias);
                CheckAlias(alias);
                EndNode();
                break;
            case SequenceStart or MappingStart:
                BeginNode((NodeEvent)current);
                if (_open.Count >= RecipeLimits.MaxDepth)
                    throw Refuse(RecipeErrors.TooLarge, current.Start, CurrentPath(), $"mappings and lists nest deeper than {RecipeLimits.MaxDepth} levels");
                if (_frames.Count == _open.Count) _frames.Add(new Frame());
                _open.Add(_frames[_open.Count].Reset(current is MappingStart, ((NodeEvent)current).Anchor.IsEmpty ? null : ((NodeEvent)current).Anchor.Value));
                break;
            case SequenceEnd or MappingEnd:
                _open.RemoveAt(_open.Count - 1);
                EndNode();
                break;
        }
        return true;
    }

    /// <summary>The key path of the node being read, e.g. <c>models[1].parameters</c>.</summary>
    public string CurrentPath()
    {
        string path = "";
        foreach (var frame in _open)
        {
            if (!frame.IsMapping) path = RecipePath.Index(path, frame.Index);
            else if (!frame.ExpectsKey && frame.Key is not null) path = RecipePath.Key(path, frame.Key);
        }
        return path;
    }

    private void BeginNode(ParsingEvent node)
    {
        if (++_nodes > RecipeLimits.MaxNodes)
            throw Refuse(RecipeErrors.TooLarge, node.Start, CurrentPath(),
                $"the recipe holds more than {RecipeLimits.MaxNodes} values, keys and lists; this many cannot be a real recipe");
        if (node is NodeEvent { Anchor.IsEmpty: false } anchored) _anchors.Add(anchored.Anchor.Value);
        if (_open.Count == 0 || _open[^1] is not { IsMapping: true, ExpectsKey: true } mapping) return;

        if (node is not Scalar key)
            throw Refuse(RecipeErrors.Schema, node.Start, CurrentPath(),
                $"a mapping key must be a plain name, not {(node is AnchorAlias ? "an alias" : node is SequenceStart ? "a list" : "a mapping")}");
        // The key's path is built only for a message: built for every key, a wide mapping under
        // a long key would cost its width times the key's length.
        string KeyPath() => RecipePath.Key(CurrentPath(), key.Value);
        if (key.Value == "<<" && key.Style == ScalarStyle.Plain && key.Tag.IsEmpty)
            throw Refuse(RecipeErrors.Unsupported, key.Start, KeyPath(), "YAML merge keys (<<) are not supported; write the keys out");
        if (!mapping.Keys.TryAdd(key.Value, key.Start))
        {
            var first = mapping.Keys[key.Value];
            throw Refuse(RecipeErrors.Syntax, key.Start, KeyPath(),
                $"duplicate key '{YamlScalar.Shorten(key.Value)}' (first at {first.Line}:{first.Column}); a key may occur once in a mapping");
        }
        mapping.Key = key.Value;
    }

    private void EndNode()
    {
        if (_open.Count == 0) return;
        var parent = _open[^1];
        if (parent.IsMapping) parent.ExpectsKey = !parent.ExpectsKey;
        else parent.Index++;
    }

    private void CheckAlias(AnchorAlias alias)
    {
        string name = alias.Value.Value;
        if (!_anchors.Contains(name))
            throw Refuse(RecipeErrors.Syntax, alias.Start, CurrentPath(), $"the alias *{YamlScalar.Shorten(name)} names no anchor defined before it");
        if (_open.Any(frame => frame.Anchor == name))
            throw Refuse(RecipeErrors.Schema, alias.Start, CurrentPath(), $"the alias *{YamlScalar.Shorten(name)} stands inside the node it names; a recipe cannot contain itself");
    }

    private RecipeException Refuse(string errorId, Mark at, string path, string reason) =>
        context.Error(errorId, new RecipeLocation(checked((int)at.Line), checked((int)at.Column), path), reason);
}

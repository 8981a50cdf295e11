-- Searches ignore accents as they do on SQLite (its tokenizer is unicode61 with
-- remove_diacritics 2): "reunion" finds "Réunion" and "ete" finds "Été". PostgreSQL's
-- `unaccent` is an extension a company's database may not allow (CREATE EXTENSION needs a
-- superuser) and is not immutable, so a generated column cannot call it; `translate` is both
-- built in and immutable. The letters below are every lowercase Latin letter whose canonical
-- decomposition is an ASCII letter and marks (U+00C0-U+024F, U+1E00-U+1EFF), each mapped to
-- that letter; lower() runs first, so capitals are covered too. The same function folds the
-- query's words (store/pg.rs, search_hits).
CREATE FUNCTION confer_search_fold(t TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT translate(lower(t),
        'àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćĉċčďēĕėęěĝğġģĥĩīĭįĵķĺļľńņňōŏőŕŗřśŝşšţťũūŭůűųŵŷźżžơưǎǐǒǔǖǘǚǜǟǡǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯȱȳḁḃḅḇḉḋḍḏḑḓḕḗḙḛḝḟḡḣḥḧḩḫḭḯḱḳḵḷḹḻḽḿṁṃṅṇṉṋṍṏṑṓṕṗṙṛṝṟṡṣṥṧṩṫṭṯṱṳṵṷṹṻṽṿẁẃẅẇẉẋẍẏẑẓẕẖẗẘẙạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ',
        'aaaaaaceeeeiiiinooooouuuuyyaaaccccdeeeeegggghiiiijklllnnnooorrrssssttuuuuuuwyzzzouaiouuuuuaagkoojgnaaaeeiioorruusthaeooooyabbbcdddddeeeeefghhhhhiikkkllllmmmnnnnoooopprrrrsssssttttuuuuuvvwwwwwxxyzzzhtwyaaaaaaaaaaaaeeeeeeeeiioooooooooooouuuuuuuyyyy') $$;

-- The index is rebuilt from the folded text (dropping the column drops its index).
ALTER TABLE messages DROP COLUMN search;
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS
    (to_tsvector('simple',
        confer_search_fold(CASE WHEN kind = 'text' THEN body ELSE '' END))) STORED;
CREATE INDEX messages_search ON messages USING GIN (search);

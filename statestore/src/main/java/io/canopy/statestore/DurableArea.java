package io.canopy.statestore;

import io.canopy.broker.AreaStorage;
import io.canopy.module.RpcException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.mapdb.HTreeMap;

/** One module's committed area in the leader's MapDB file. */
final class DurableArea implements AreaStorage {
    private final StateDb db;
    private final String module;

    DurableArea(StateDb db, String module) {
        this.db = db;
        this.module = module;
    }

    @Override
    public Optional<byte[]> get(String key) {
        return db.read(d -> Layout.value(d, module, key));
    }

    @Override
    public Set<String> keys() {
        return db.read(d -> Layout.keys(d, module));
    }

    @Override
    public void apply(Map<String, byte[]> puts, Set<String> removes) throws RpcException {
        db.commit("area '" + module + "'", d -> {
            HTreeMap<String, byte[]> area = Layout.area(d, module);
            area.putAll(puts);
            removes.forEach(area::remove);
        });
    }
}

# Turns placeholder linear LVs made by real lvm2 ("p_<lv>_M_N" and
# "p_<lv>_I_N": lvcreate refuses names with _rmeta/_rimage) into the sub-LVs of raid LVs and adds the raid LVs, as
# lvm2's raid exporter writes them; real vgcfgrestore then validates and
# rewrites the file. craft.py FILE LV:TYPE:DEVICES:EXTENTS[:STRIPE[:KEY=VALUE...]] ...
# (STRIPE may be empty; KEY=VALUE lines follow region_size/stripe_size.)
import random
import re
import string
import sys

path = sys.argv[1]
t = open(path).read()

def newid():
    a = string.ascii_letters + string.digits
    s = ''.join(random.choice(a) for _ in range(32))
    return '-'.join([s[:6], s[6:10], s[10:14], s[14:18], s[18:22], s[22:26], s[26:]])

t = re.sub(r'\n\t\tp_(\w+)_M_(\d+) \{', r'\n\t\t\1_rmeta_\2 {', t)
t = re.sub(r'\n\t\tp_(\w+)_I_(\d+) \{', r'\n\t\t\1_rimage_\2 {', t)
t = re.sub(r'(\t\t\w+_r(?:meta|image)_\d+ \{\n\t\t\tid = "[^"]*"\n\t\t\tstatus = \["READ", "WRITE"), "VISIBLE"\]',
           r'\1]', t)
tops = ''
for spec in sys.argv[2:]:
    f = spec.split(':')
    lv, typ, devs, extents = f[0], f[1], int(f[2]), int(f[3])
    keys = '\t\t\t\tdevice_count = %d\n\t\t\t\tregion_size = 1024\n' % devs
    if len(f) > 4 and f[4]:
        keys += '\t\t\t\tstripe_size = %s\n' % f[4]
    for kv in f[5:]:
        keys += '\t\t\t\t%s = %s\n' % tuple(kv.split('=', 1))
    raids = ',\n'.join('\t\t\t\t\t"%s_rmeta_%d", "%s_rimage_%d"' % (lv, i, lv, i) for i in range(devs))
    tops += ('\t\t%s {\n\t\t\tid = "%s"\n\t\t\tstatus = ["READ", "WRITE", "VISIBLE"]\n\t\t\tflags = []\n'
             '\t\t\tcreation_time = 1796444078\n\t\t\tcreation_host = "vm"\n\t\t\tsegment_count = 1\n\n'
             '\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = %d\n\n\t\t\t\ttype = "%s"\n%s\n'
             '\t\t\t\traids = [\n%s\n\t\t\t\t]\n\t\t\t}\n\t\t}\n\n') % (lv, newid(), extents, typ, keys, raids)
t = t.replace('\tlogical_volumes {\n\n', '\tlogical_volumes {\n\n' + tops, 1)
open(path, 'w').write(t)

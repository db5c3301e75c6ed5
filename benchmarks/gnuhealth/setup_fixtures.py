"""One-off fixtures (from gnuhealth-peer.md): currency + company and a health professional linked to admin.
Run from the GNU Health folder (setup.sh does): venv/bin/python setup_fixtures.py ghpeer"""
import sys, time
from decimal import Decimal
from proteus import config, Model

cfg = config.set_trytond(database=sys.argv[1], user='admin', config_file='trytond.conf')
t0 = time.perf_counter()
Currency = Model.get('currency.currency')
Party = Model.get('party.party')
Company = Model.get('company.company')
User = Model.get('res.user')
HP = Model.get('gnuhealth.healthprofessional')

eur, = Currency.find([('code', '=', 'EUR')]) or [None]
if eur is None:
    eur = Currency(name='Euro', symbol='€', code='EUR', rounding=Decimal('0.01'))
    eur.save()
if not Company.find([]):
    cparty = Party(name='Peer Back-Pain Clinic', is_institution=True)
    cparty.save()
    company = Company(party=cparty, currency=eur, timezone='Europe/Madrid')
    company.save()
    admin, = User.find([('login', '=', 'admin')])
    admin.companies.append(Company(company.id))
    admin.company = Company(company.id)
    admin.save()
admin, = User.find([('login', '=', 'admin')])
if not HP.find([]):
    hparty = Party(name='Ana', lastname='Physio', is_person=True,
                   is_healthprof=True, gender='f', internal_user=admin)
    hparty.save()
    hp = HP(party=hparty)
    hp.save()
print('fixtures ok in %.2fs' % (time.perf_counter() - t0))
